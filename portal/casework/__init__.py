"""Complaints and cases: filing, opening with a code, who may see a case, the queue, status moves,
messages, referrals, links, notices, pattern alerts, retention.
"""
