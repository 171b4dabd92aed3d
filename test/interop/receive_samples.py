#!/usr/bin/python3
"""Receive meterflow's `notifier://` output with the real oslo.messaging notification listener,
as a Ceilometer collector or any other consumer of Ceilometer's metering topic would, and check
every metering message's `message_signature`.

Usage:
  receive_samples.py --url URL (--count N | --samples N) [--timeout S] [--secret S]
                     [--topic metering] [--exchange ceilometer]
  receive_samples.py --self-test metering-sample.json [--secret S]

Prints {"ready": true} once the listener consumes, then one JSON line per notification:
{"publisher_id", "event_type", "priority", "metadata", "payload", "signatures": [...]} where each
signature entry is {"message_id", "ok", "expected", "got"}. Exits 0 once N notifications
(--count) or N payload elements in all (--samples) arrived, 3 on timeout. --self-test verifies captured Ceilometer messages instead and prints {"checked", "ok"}.
"""
import argparse
import hashlib
import hmac
import json
import logging
import sys
import threading

from oslo_config import cfg
import oslo_messaging


def to_bytes(value):
    """Every str inside a list/tuple becomes bytes (dict keys and values too, recursively)."""
    if isinstance(value, str):
        return value.encode('utf-8')
    if isinstance(value, dict):
        return {to_bytes(k): to_bytes(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_bytes(v) for v in value]
    return value


def flatten(message, prefix=''):
    """(name, value) pairs, keys sorted at every level, nested dicts as `parent:child`; lists are
    turned into their bytes form first; an empty dict yields nothing."""
    pairs = []
    for key in sorted(message):
        value = message[key]
        name = '%s%s' % (prefix, key)
        if isinstance(value, dict):
            pairs.extend(flatten(value, name + ':'))
        elif isinstance(value, (list, tuple)):
            pairs.append((name, to_bytes(value)))
        else:
            pairs.append((name, value))
    return pairs


def signature(message, secret):
    """HMAC-SHA256 over str(name) + str(value) of every pair but message_signature; '' without a secret."""
    if not secret:
        return ''
    digest = hmac.new(secret.encode('utf-8'), b'', hashlib.sha256)
    for name, value in flatten(message):
        if name == 'message_signature':
            continue
        digest.update(str(name).encode('utf-8'))
        digest.update(str(value).encode('utf-8'))
    return digest.hexdigest()


def check(payload, secret):
    results = []
    for element in payload if isinstance(payload, list) else []:
        expected = signature(element, secret)
        got = element.get('message_signature') if isinstance(element, dict) else None
        results.append({'message_id': element.get('message_id') if isinstance(element, dict) else None,
                        'ok': isinstance(got, str) and hmac.compare_digest(expected, got),
                        'expected': expected, 'got': got})
    return results


def self_test(path, secret):
    with open(path) as f:
        captures = json.load(f)
    checked = ok = 0
    for capture in captures:
        envelope = json.loads(capture['body_raw'])
        inner = json.loads(envelope['oslo.message'])
        for result in check(inner['payload'], secret):
            checked += 1
            ok += result['ok']
    print(json.dumps({'checked': checked, 'ok': ok}), flush=True)
    return 0 if checked > 0 and ok == checked else 1


class MeteringEndpoint(object):
    def __init__(self, secret, count, samples):
        self.secret = secret
        self.count = count
        self.samples = samples
        self.seen = 0
        self.elements = 0
        self.lock = threading.Lock()
        self.done = threading.Event()

    def _emit(self, priority, ctxt, publisher_id, event_type, payload, metadata):
        line = json.dumps({'publisher_id': publisher_id, 'event_type': event_type,
                           'priority': priority, 'ctxt': ctxt, 'metadata': metadata,
                           'payload': payload, 'signatures': check(payload, self.secret)})
        with self.lock:
            print(line, flush=True)
            self.seen += 1
            self.elements += len(payload) if isinstance(payload, list) else 0
            if ((self.count and self.seen >= self.count)
                    or (self.samples and self.elements >= self.samples)):
                self.done.set()
        return oslo_messaging.NotificationResult.HANDLED

    def sample(self, ctxt, publisher_id, event_type, payload, metadata):
        return self._emit('sample', ctxt, publisher_id, event_type, payload, metadata)

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        return self._emit('info', ctxt, publisher_id, event_type, payload, metadata)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--url')
    parser.add_argument('--count', type=int, default=0, help='stop after N notifications')
    parser.add_argument('--samples', type=int, default=0, help='stop after N payload elements')
    parser.add_argument('--timeout', type=float, default=60.0)
    parser.add_argument('--secret', default='change this for valid signing')
    parser.add_argument('--topic', default='metering')
    parser.add_argument('--exchange', default='ceilometer')
    parser.add_argument('--self-test')
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.self_test:
        return self_test(args.self_test, args.secret)
    if not args.url or not (args.count or args.samples):
        parser.error('--url and one of --count, --samples are required')

    conf = cfg.CONF
    conf([], project='meterflow-interop')
    # Ceilometer's own default exchange; the listener's target takes it from control_exchange.
    oslo_messaging.set_transport_defaults(args.exchange)
    try:
        conf.set_override('control_exchange', args.exchange)
    except cfg.NoSuchOptError:
        pass  # registered by the first transport: the default set above applies
    transport = oslo_messaging.get_notification_transport(conf, url=args.url)
    endpoint = MeteringEndpoint(args.secret, args.count, args.samples)
    listener = oslo_messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic=args.topic)], [endpoint], executor='threading')
    listener.start()
    print(json.dumps({'ready': True}), flush=True)
    finished = endpoint.done.wait(args.timeout)
    listener.stop()
    listener.wait()
    transport.cleanup()
    return 0 if finished else 3


if __name__ == '__main__':
    sys.exit(main())
