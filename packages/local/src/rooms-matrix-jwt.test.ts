import { whoMayDoWhat } from "../test/rooms-matrix";

whoMayDoWhat("jwt");
