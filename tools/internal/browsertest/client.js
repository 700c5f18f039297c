// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors
//
// A minimal MQTT 3.1.1 client over WebSocket for the browser check: CONNECT,
// SUBSCRIBE, PUBLISH (QoS 0), and receive its own message. It reports into
// the element #result and document.title.
"use strict";

function mqttEcho(url, clientId, topic, payload) {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const out = document.getElementById("result");
  const report = (s) => { out.textContent = s; document.title = s; };

  const str = (s) => { const b = enc.encode(s); return [b.length >> 8, b.length & 0xff, ...b]; };
  const remLen = (n) => {
    const r = [];
    do { let d = n % 128; n = Math.floor(n / 128); if (n > 0) d |= 0x80; r.push(d); } while (n > 0);
    return r;
  };
  const packet = (first, body) => new Uint8Array([first, ...remLen(body.length), ...body]);

  const ws = new WebSocket(url, ["mqtt"]);
  ws.binaryType = "arraybuffer";
  let buf = new Uint8Array(0);

  ws.onopen = () => {
    if (ws.protocol !== "mqtt") { report("error: subprotocol " + ws.protocol); return; }
    // CONNECT: protocol name, level 4, clean session, keep alive 30 s.
    ws.send(packet(0x10, [...str("MQTT"), 4, 0x02, 0, 30, ...str(clientId)]));
    report("connecting");
  };
  ws.onerror = () => report("error: websocket error");
  ws.onclose = (e) => { if (!out.textContent.startsWith("received:")) report("error: closed " + e.code); };

  ws.onmessage = (ev) => {
    const chunk = new Uint8Array(ev.data);
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf); joined.set(chunk, buf.length);
    buf = joined;
    for (;;) {
      // Parse one packet if it is complete: fixed header, remaining length.
      if (buf.length < 2) return;
      let len = 0, mul = 1, i = 1, b;
      do {
        if (i >= buf.length) return;
        b = buf[i++]; len += (b & 0x7f) * mul; mul *= 128;
      } while (b & 0x80);
      if (buf.length < i + len) return;
      handle(buf[0] >> 4, buf.subarray(i, i + len));
      buf = buf.slice(i + len);
    }
  };

  function handle(type, body) {
    switch (type) {
    case 2: // CONNACK
      if (body[1] !== 0) { report("error: connack " + body[1]); return; }
      ws.send(packet(0x82, [0, 1, ...str(topic), 0])); // SUBSCRIBE id 1, QoS 0
      report("subscribing");
      break;
    case 9: { // SUBACK
      if (body[2] === 0x80) { report("error: subscription refused"); return; }
      // PUBLISH QoS 0, sent in two WebSocket messages to split the packet.
      const p = packet(0x30, [...str(topic), ...enc.encode(payload)]);
      ws.send(p.slice(0, 3));
      ws.send(p.slice(3));
      report("publishing");
      break;
    }
    case 3: { // PUBLISH
      const tlen = (body[0] << 8) | body[1];
      const t = dec.decode(body.subarray(2, 2 + tlen));
      const msg = dec.decode(body.subarray(2 + tlen));
      report("received:" + t + ":" + msg);
      ws.send(new Uint8Array([0xe0, 0])); // DISCONNECT
      ws.close();
      break;
    }
    default:
      report("error: unexpected packet type " + type);
    }
  }
}
