"""Q&A (spec §6): recorded answers and their grading (``answers*``, ``grading``)."""
