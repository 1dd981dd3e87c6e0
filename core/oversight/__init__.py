"""The admin dashboard's view of the shop, one concept per module.

queries      filters of the dashboard's lists and a page of results lines        read models of one
row: an order, its voucher, payments and messages, a gift, a programme timeline     an order's life
as steps in domain terms (the web adapter words them) order_detail everything known about one order,
and which acts apply to it overview     totals by day, status and currency; what needs an operator's
attention port         Oversight, the read port behind the dashboard lockout      sign-in lock-out
policy and counters accounts     dashboard users, their roles and sessions (AdminAccounts port) acts
the dashboard's own audited acts (reveal a code, note an event)
"""
