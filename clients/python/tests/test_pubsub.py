"""Publish/subscribe (SUBSCRIBE puts a connection in a special mode; these skip on a server
that does not have it yet)."""

import threading
import time


def wait_for(pubsub, kind="message", timeout=2.0):
    """Next message of the given type, skipping others."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=deadline - time.monotonic())
        if message is not None and message["type"] == kind:
            return message
    raise AssertionError("no %s message within %.1fs" % (kind, timeout))


def publish(client, channel, data):
    return client.execute("PUBLISH", channel, data)


def test_subscribe_publish_receive(r):
    with r.pubsub() as p:
        p.subscribe("news")
        assert wait_for(p, "subscribe") == {"type": "subscribe", "pattern": None, "channel": "news", "data": 1}
        assert publish(r, "news", "hello") == 1
        assert wait_for(p) == {"type": "message", "pattern": None, "channel": "news", "data": "hello"}
        assert p.get_message(timeout=0.05) is None


def test_pattern_subscriptions(r):
    with r.pubsub(ignore_subscribe_messages=True) as p:
        p.psubscribe("news.*")
        p.get_message(timeout=0.2)  # let the subscription land before publishing
        publish(r, "news.tech", "x")
        assert wait_for(p, "pmessage") == {"type": "pmessage", "pattern": "news.*", "channel": "news.tech", "data": "x"}


def test_handlers_are_called_instead_of_returning(r):
    received = []
    with r.pubsub() as p:
        p.subscribe(alerts=received.append)
        wait_for(p, "subscribe")
        publish(r, "alerts", "fire")
        deadline = time.monotonic() + 2
        while not received and time.monotonic() < deadline:
            assert p.get_message(timeout=0.1) is None
        assert received and received[0]["data"] == "fire"


def test_unsubscribe_ends_listen(r):
    p = r.pubsub()
    p.subscribe("a", "b")
    first = p.get_message(timeout=2)  # pub/sub works at all: fail here, not in the thread
    assert first is not None and first["type"] == "subscribe"

    def publisher():
        time.sleep(0.2)
        publish(r, "a", "1")
        time.sleep(0.1)
        p.unsubscribe()  # a send from this thread while listen() reads in the other: sockets allow it

    thread = threading.Thread(target=publisher)
    thread.start()
    kinds = [m["type"] for m in p.listen()]
    thread.join()
    p.close()
    assert kinds == ["subscribe", "message", "unsubscribe", "unsubscribe"]
    assert not p.subscribed


def test_get_message_without_subscription_returns_none(r):
    p = r.pubsub()
    start = time.monotonic()
    assert p.get_message(timeout=0.1) is None
    assert time.monotonic() - start >= 0.09


def test_ping_in_subscribed_mode(r):
    with r.pubsub(ignore_subscribe_messages=True) as p:
        p.subscribe("x")
        p.ping()
        assert wait_for(p, "pong")["type"] == "pong"


def test_binary_messages(rb):
    with rb.pubsub(ignore_subscribe_messages=True) as p:
        p.subscribe(b"bin")
        p.get_message(timeout=0.2)
        publish(rb, b"bin", b"\x00\xff")
        message = wait_for(p)
        assert message["channel"] == b"bin" and message["data"] == b"\x00\xff"


def test_resubscribes_after_the_connection_is_killed(r):
    with r.pubsub(ignore_subscribe_messages=True) as p:
        p.subscribe("survive")
        p.get_message(timeout=0.2)
        killed = r.execute("CLIENT", "KILL", "TYPE", "pubsub")
        assert killed >= 1
        # The next read notices the closed socket, reconnects and subscribes again.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            p.get_message(timeout=0.1)
            if publish(r, "survive", "again") == 1:
                break
        assert wait_for(p)["data"] == "again"
