#!/usr/bin/env node
/** The `wirepool` command (package.json's `bin`): see main.ts. */
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
