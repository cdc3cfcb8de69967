"""Editions: their settings, their criteria, and the rules of their life (``lifecycle``: which
moves exist and what each needs). Making a move, with its effects, is ``transitions``'s."""
