#!/usr/bin/env node
// npm's bin shim: runs the bundled CLI (built by `npm run build:bundle`, also by `npm start`).
require('../dist/robot-id.cjs');
