"""Collectors: one module per kind of source; each turns a device spec into readings. No web, no database.

Heavy libraries (pysnmp, netmiko) are imported by the module that needs them, never here.
"""
