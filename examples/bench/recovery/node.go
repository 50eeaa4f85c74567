package main

import _ "embed"

//go:embed node/server.js
var nodeServerJS string
