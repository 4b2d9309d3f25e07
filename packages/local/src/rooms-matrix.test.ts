import { whoMayDoWhat } from "../test/rooms-matrix";

whoMayDoWhat("none");
