import { setupTestStorage } from "../src/local-storage";

export default setupTestStorage;
