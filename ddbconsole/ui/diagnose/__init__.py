"""The Diagnose screen: throttling reasons, hot keys, advice and the sampled key analysis."""
