#!/usr/bin/env node
// Committed entry point so npm links the `emporia` binary before the first build.
import '../dist/bin.js';
