#!/usr/bin/env node
// Node's own compile cache (Node >= 22.1, as Vite's bin uses it): V8's compiled code of dist/ is
// kept in the system's temporary directory (NODE_COMPILE_CACHE moves it, and
// NODE_DISABLE_COMPILE_CACHE=1 turns it off), checked by Node against each file and the Node
// that made it. Node 20 has no such cache and compiles as usual.
const nodeModule = require("node:module");
if (typeof nodeModule.enableCompileCache === "function") nodeModule.enableCompileCache();
// Under DEBUG, stack traces name the lines of src/ (from the source maps beside dist/'s bundles);
// other runs never read the maps.
if (process.env.DEBUG) process.setSourceMapsEnabled(true);
require("../dist/cli.cjs");
