"""The synthetic Ambito di Cremona (DOMAIN §6) as full, valid API payloads."""

from agency.synthetic.ambito import Ambito, SyntheticLandlord, generate_ambito

__all__ = ["Ambito", "SyntheticLandlord", "generate_ambito"]
