#!/usr/bin/env node
// The `xmedia` command: the compiled CLI (npm install builds it; see package.json "prepare").
import '../dist/cli/main.js';
