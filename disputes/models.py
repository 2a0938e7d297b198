"""Disputes (矛盾纠纷), their parties, mediation and audit trail: built in the lifecycle work."""
