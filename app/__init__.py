"""disclosure-stats: Chinese government information-disclosure annual reports as queryable statistics."""

__version__ = "0.1.0"
