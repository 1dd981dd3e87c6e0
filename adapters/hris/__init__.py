"""HR systems voucherbot pulls employees from: SAP SuccessFactors (OData v2) and Darwinbox."""
