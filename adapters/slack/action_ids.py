"""The action ids that tie rendered Block Kit elements to the listeners that handle them."""

from __future__ import annotations

# Every id starts with "vb_" so a listener never reacts to another app's element by accident.
CHOOSE = "vb_choose"  # button on a product card; value = product id
PICK_PRODUCT = "vb_pick_product"  # external_select fed by the catalog search
PAGE = "vb_page"  # previous / next; value = encoded CatalogQuery
# currency / country menus (static_select) and "All countries"; values = encoded CatalogQuery
FILTER = "vb_filter"
DENOMINATION = "vb_denomination"  # button; value = "<product id>|<minor units>"
DENOMINATION_SELECT = "vb_denomination_select"  # static_select for products with many denominations
AMOUNT_INPUT = "vb_amount_input"  # plain_text_input for open-value products (Enter dispatches)
AMOUNT_SUBMIT = "vb_amount_submit"  # button next to the amount input; value = product id
BACK_TO_CATALOG = "vb_back"  # button; value = encoded CatalogQuery
RETRY_PAYMENT = "vb_retry"  # button; value = order id
BROWSE = "vb_browse"  # App Home button that posts the catalog into the app's DM
PAY = "vb_pay"  # url button to the checkout page (Slack still sends an action to ack)
REDEEM = "vb_redeem"  # url button to the brand's redemption page
# App Home button that shows one voucher's code in a private modal; value = order id
REVEAL = "vb_reveal"

AMOUNT_BLOCK = "vb_amount"  # block_id of the amount input, read back from state.values
PICKER_BLOCK = (
    "vb_picker"  # block_id of the product picker (carries the reward being spent, if any)
)

# Rewards
REWARD_SEND = "vb_reward_send"  # confirmation's Send button; value = confirmation id
REWARD_CANCEL = "vb_reward_cancel"  # confirmation's Cancel button; value = confirmation id
REWARD_CHOOSE = "vb_reward_choose"  # "Choose your voucher"; value = reward id
REWARD_MODAL = "vb_reward_modal"  # callback_id of the /reward form
REWARD_RECIPIENTS = "vb_rw_recipients"  # block and action ids of the form's inputs
REWARD_AMOUNT = "vb_rw_amount"
REWARD_CURRENCY = "vb_rw_currency"
REWARD_REASON = "vb_rw_reason"
REWARD_PROGRAMME = "vb_rw_programme"

URL_BUTTONS = (PAY, REDEEM)

# Gifts
GIFT_CANCEL = "vb_gift_cancel"  # on a scheduled gift in `/vouchers mine`; value = gift id
GIFT_OPEN = "vb_gift_open"  # "Send as a gift" on a product card; value = product id
GIFT_MODAL = "vb_gift_modal"  # callback_id of the gift form
GIFT_TO = "vb_gf_to"  # block and action ids of the form's inputs
GIFT_AMOUNT = "vb_gf_amount"
GIFT_DATE = "vb_gf_date"
GIFT_TIME = "vb_gf_time"
GIFT_NOTE = "vb_gf_note"

# Approvals
APPROVAL_APPROVE = "vb_approval_approve"  # approver's Approve; value = approval id
APPROVAL_REJECT = "vb_approval_reject"  # approver's Reject; value = approval id
APPROVAL_NOTE = "vb_approval_note"  # block and action id of the reason input on the approval card
COLLECT_CHIP_IN = "vb_col_chip"  # "Chip in" on a group gift's channel card; value = collection id
COLLECT_CLOSE = "vb_col_close"  # "Close and send" on the card (the organiser only); value = its id
COLLECT_MINE = (
    "vb_col_mine"  # "Show or hide my amount": a contributor's own line only; value = its id
)
COLLECT_MODAL = "vb_col_modal"  # callback_id of the chip-in form; private_metadata = collection id
COLLECT_AMOUNT = "vb_col_amount"  # block and action ids of the form's inputs
COLLECT_SHOW = "vb_col_show"
