"""The "三上三下" review cycle: states, moves and who may make them (no Flask here)."""
