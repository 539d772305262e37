"""Device simulators: real servers speaking each device's protocol on loopback.

Home-Assistant-free. The same simulators serve the tests (as fixtures) and
the demo (`scripts/develop`); `python -m simulators` runs them by hand.
"""
