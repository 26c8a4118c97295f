"""CCIS server: the NOC and the complaint desk, one feature package each."""
