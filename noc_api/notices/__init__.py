"""Area notices: staff publish them for a town or ward, the NOC raises one when a complaint channel is down, and
confirmed subscribers get them by SMS or mail through the one outbox."""
