#!/usr/bin/python3
"""Send OpenStack notifications with the real oslo.messaging client, as nova, glance, cinder and
the polling agent do, so meterflow can be checked against the library it must interoperate with.

Usage: send_notifications.py --url rabbit://user:pass@host:port/vhost --notifications FILE

FILE is a JSON list of {"exchange", "publisher_id", "event_type", "priority", "ctxt", "payload"}.
Each exchange is a service's control_exchange: one transport per exchange, created after
`control_exchange` is set, exactly as a service configures it. Notifications go through
`Notifier(transport, driver='messagingv2', topics=['notifications'])`, so they land on
`<exchange>` with routing key `notifications.<priority>` and oslo itself declares the queue.
Prints one JSON line per notification sent, then {"sent": N}.
"""
import argparse
import json
import logging
import sys

from oslo_config import cfg
import oslo_messaging

PRIORITIES = ('audit', 'critical', 'debug', 'info', 'error', 'sample', 'warn')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--url', required=True, help='oslo transport_url (rabbit://...)')
    parser.add_argument('--notifications', required=True, help='JSON list of notifications')
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    with open(args.notifications) as f:
        notifications = json.load(f)
    conf = cfg.CONF
    conf([], project='meterflow-interop')
    by_exchange = {}
    for n in notifications:
        by_exchange.setdefault(n['exchange'], []).append(n)

    sent = 0
    for exchange, batch in by_exchange.items():
        # What a service does at start-up: its control exchange, then the transport.
        oslo_messaging.set_transport_defaults(exchange)
        try:
            conf.set_override('control_exchange', exchange)
        except cfg.NoSuchOptError:
            pass  # registered by the first transport: the default set above applies
        transport = oslo_messaging.get_notification_transport(conf, url=args.url)
        try:
            notifier = oslo_messaging.Notifier(
                transport, driver='messagingv2', topics=['notifications'],
                publisher_id=batch[0]['publisher_id'])
            for n in batch:
                priority = n['priority'].lower()
                if priority not in PRIORITIES:
                    raise SystemExit('unknown priority %r' % priority)
                prepared = notifier.prepare(publisher_id=n['publisher_id'])
                getattr(prepared, priority)(n.get('ctxt') or {}, n['event_type'], n['payload'])
                sent += 1
                print(json.dumps({'exchange': exchange, 'event_type': n['event_type'],
                                  'priority': priority}), flush=True)
        finally:
            transport.cleanup()
    print(json.dumps({'sent': sent}), flush=True)


if __name__ == '__main__':
    main()
