import { describeStagePlan } from "./test/stage-plan-suite";

// One stage per file: each file runs in its own process, and Pulumi's runtime state is global to a process.
describeStagePlan("dev");
