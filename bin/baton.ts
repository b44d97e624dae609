#!/usr/bin/env tsx
import { main } from "../lib/cli/main.ts";

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Let output flush, then leave even if a library left a handle open.
setTimeout(() => process.exit(code), 200).unref();
