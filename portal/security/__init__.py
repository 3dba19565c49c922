"""Keys, encryption, claim codes, filing receipts, attachments and their sandboxed decoder, rate
limits, the audit log: what guards people's words, below casework and accounts.
"""
