"""The yearly ten-types-of-models round (十类典型评选): rounds, nominations, blind review, ranking, award list."""
