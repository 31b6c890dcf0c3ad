"""The chain around the gemeente: residence history and verhuizing, DUO berichten, handhaving, the CBS file."""
