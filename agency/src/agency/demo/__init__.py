"""`agency up --demo`: seed, a round for the whole Ambito, approval, answers, re-optimisation, report."""
