// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package browsertest holds the browser-level check of the WebSocket
// listener: headless Chromium loads a page with a small hand-written MQTT
// 3.1.1 client (client.js) that connects over WebSocket, subscribes,
// publishes and must receive its own message. It has no code of its own
// besides the test.
package browsertest
