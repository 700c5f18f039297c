// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors
//
// Interoperability run of MQTT.js (Debian's node-mqtt, or any version on
// NODE_PATH) against a running wrenmq: node mqttjs_interop.js TCP_ADDR WS_ADDR.
// v5, v3.1.1 and v3.1 over TCP, v5 and v3.1.1 over WebSocket (on "/", where
// MQTT.js connects without a path, and on "/mqtt"): QoS 0/1/2 with v5
// properties, retained, shared subscription, topic aliases both ways, a
// persistent session with a queued message, and a will. Prints "ok ..."
// lines and exits 0, or prints "FAIL ..." and exits 1.
'use strict';
const mqtt = require('mqtt');
const assert = require('assert');

const [tcp, ws] = process.argv.slice(2);

function conn(url, opts) {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, Object.assign({reconnectPeriod: 0, connectTimeout: 5000}, opts));
    c.once('connect', (ack) => resolve([c, ack]));
    c.once('error', reject);
    c.once('close', () => reject(new Error('closed before CONNACK: ' + url)));
  });
}
const sub = (c, t, o) => new Promise((res, rej) => c.subscribe(t, o, (e, g) => (e ? rej(e) : res(g))));
const pub = (c, t, m, o) => new Promise((res, rej) => c.publish(t, m, o, (e) => (e ? rej(e) : res())));
// The topic comes from the event: MQTT.js 4 leaves an aliased packet's empty.
const next = (c) => new Promise((res) => c.once('message', (t, m, p) => res(Object.assign(p, {topic: t}))));
const end = (c) => new Promise((res) => c.end(false, {}, res));

// Options for a client of protocol level pv; MQTT.js 4 reads the topic
// alias maximum at the top level, MQTT.js 5 among the properties.
function options(pv, id, aliases) {
  const o = {protocolVersion: pv, protocolId: pv === 3 ? 'MQIsdp' : 'MQTT', clientId: id};
  if (pv === 5) {
    o.topicAliasMaximum = aliases;
    o.properties = {topicAliasMaximum: aliases, receiveMaximum: 5};
    o.autoUseTopicAlias = true;
    o.autoAssignTopicAlias = true;
  }
  return o;
}

async function flows(url, pv) {
  const tag = url + ' v' + pv;
  const [a] = await conn(url, options(pv, 'js-a-' + pv, 10));
  const [b] = await conn(url, options(pv, 'js-b-' + pv, 5));
  const g = await sub(a, 'js/+/x', {qos: 2});
  assert.strictEqual(g[0].qos, 2, tag + ': granted QoS');
  for (const qos of [0, 1, 2]) {
    const got = next(a);
    const o = {qos};
    if (pv === 5) {
      o.properties = {userProperties: {k: 'v'}, messageExpiryInterval: 60, responseTopic: 'js/resp',
        correlationData: Buffer.from('cd'), contentType: 'text/plain'};
    }
    await pub(b, 'js/' + qos + '/x', 'hello ' + qos, o);
    const m = await got;
    assert.strictEqual(m.payload.toString(), 'hello ' + qos, tag);
    assert.strictEqual(m.qos, qos, tag + ': QoS');
    if (pv === 5) {
      assert.strictEqual(m.properties.userProperties.k, 'v', tag + ': user property');
      assert.strictEqual(m.properties.responseTopic, 'js/resp', tag + ': response topic');
      assert.strictEqual(m.properties.correlationData.toString(), 'cd', tag + ': correlation data');
      assert.strictEqual(m.properties.contentType, 'text/plain', tag + ': content type');
      assert.ok(m.properties.messageExpiryInterval <= 60, tag + ': message expiry');
    }
  }
  const retained = 'js/ret/' + pv;
  await pub(b, retained, 'kept', {qos: 1, retain: true});
  const got = next(a);
  await sub(a, retained, {qos: 1});
  const r = await got;
  assert.strictEqual(r.retain, true, tag + ': retain flag');
  assert.strictEqual(r.payload.toString(), 'kept', tag + ': retained payload');
  await pub(b, retained, '', {qos: 1, retain: true});
  if (pv === 5) {
    const s = await sub(a, '$share/g/js/shared', {qos: 1});
    assert.strictEqual(s[0].qos, 1, tag + ': shared subscription');
    const sh = next(a);
    await pub(b, 'js/shared', 'shared', {qos: 1});
    assert.strictEqual((await sh).payload.toString(), 'shared', tag + ': shared delivery');
    for (let i = 0; i < 3; i++) { // the same topic: aliases both ways
      const al = next(a);
      await pub(b, 'js/1/x', 'alias ' + i, {qos: 1});
      const m = await al;
      assert.strictEqual(m.topic, 'js/1/x', tag + ': aliased topic');
      assert.strictEqual(m.payload.toString(), 'alias ' + i, tag + ': aliased payload');
    }
  }
  await new Promise((res, rej) => a.unsubscribe('js/+/x', (e) => (e ? rej(e) : res())));
  await end(a);
  await end(b);
  console.log('ok', tag);
}

async function sessionAndWill(url) {
  const [s1] = await conn(url, {protocolVersion: 5, clientId: 'js-p', clean: false, properties: {sessionExpiryInterval: 60}});
  await sub(s1, 'js/q', {qos: 1});
  await end(s1);
  const [p] = await conn(url, {protocolVersion: 5, clientId: 'js-pub'});
  await pub(p, 'js/q', 'queued', {qos: 1});
  const [s2, m] = await new Promise((resolve, reject) => {
    const c = mqtt.connect(url, {protocolVersion: 5, clientId: 'js-p', clean: false, reconnectPeriod: 0, properties: {sessionExpiryInterval: 0}});
    c.once('connect', (ack) => { if (!ack.sessionPresent) reject(new Error('session not present')); });
    c.once('message', (t, payload) => resolve([c, payload.toString()]));
    c.once('error', reject);
  });
  assert.strictEqual(m, 'queued', 'persistent session: queued message');
  await end(s2);
  await end(p);

  const [w] = await conn(url, {protocolVersion: 5, clientId: 'js-w'});
  await sub(w, 'js/will', {qos: 1});
  const [d] = await conn(url, {protocolVersion: 5, clientId: 'js-d', will: {topic: 'js/will', payload: Buffer.from('gone'), qos: 1}});
  const will = next(w);
  d.stream.destroy(); // no DISCONNECT: the will is published
  assert.strictEqual((await will).payload.toString(), 'gone', 'will');
  await end(w);
  console.log('ok persistent session and will');
}

(async () => {
  for (const [url, pv] of [['mqtt://' + tcp, 5], ['mqtt://' + tcp, 4], ['mqtt://' + tcp, 3],
    ['ws://' + ws, 5], ['ws://' + ws + '/mqtt', 4]]) {
    await flows(url, pv);
  }
  await sessionAndWill('mqtt://' + tcp);
  process.exit(0);
})().catch((e) => {
  console.log('FAIL', e && e.stack ? e.stack : e);
  process.exit(1);
});
