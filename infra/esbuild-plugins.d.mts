import type { Plugin } from "esbuild";

export declare const electrodbDocumentLib: Plugin;
declare const plugins: Plugin[];
export default plugins;
