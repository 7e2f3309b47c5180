#!/usr/bin/env node
// The `reclaim` executable. Kept apart from main.ts so it always runs, also through node_modules/.bin.
import 'reflect-metadata';
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
