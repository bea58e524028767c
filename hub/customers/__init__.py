"""The customer directory: who a customer is and how they are recognised (identities, phones, the
resolver that finds or creates the one customer behind them) and how their data is masked by role.

It sits below orders and the CRM: an order resolves its customer here, and the CRM builds profiles,
statistics and segments on top of these records.
"""
