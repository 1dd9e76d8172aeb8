#!/usr/bin/env node
// npm's bin shim: runs the bundled CLI (dist/robot-id.cjs, built on `npm ci` by prepare and
// shipped in the package by prepack; every dependency is inlined in it).
require('../dist/robot-id.cjs');
