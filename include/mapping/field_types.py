"""Value kinds of the NetSuite fields our export workflows write, so mapped values get the right form.

Written from the SuiteTalk 2023_2 schema facts (netsuite-schema-facts.md §3): only fields whose value is not a
plain string are listed; any other field is written as a string. Kinds: ``ref`` (RecordRef ->
``{"internalId": ...}``), ``bool``, ``datetime`` (aware UTC datetime), ``float`` (xsd:double), ``int``
(xsd:long), ``duration`` (``{"timeSpan": float, "unit": "hour"}``), ``sublist``. Sublist line types are keyed
``"<record>.<line element>"``. Extend the table when a new record type is exported; a field mapping can also
force a kind with ``type:``.
"""

from __future__ import annotations

KINDS = ("str", "ref", "bool", "datetime", "date", "float", "int", "duration")


def _kinds(**names: str) -> dict[str, str]:
    """Invert ``kind="field field ..."`` into ``{field: kind}`` (keeps the table below short)."""
    return {name: kind for kind, fields in names.items() for name in fields.split()}


NETSUITE_FIELD_KINDS: dict[str, dict[str, str]] = {
    "customer": _kinds(
        ref=(
            "customForm entityStatus parent category image subsidiary representingSubsidiary salesRep "
            "territory partner salesGroup terms priceLevel currency prefCCProcessor taxItem shippingItem "
            "accessRole assignedWebSite campaignCategory sourceWebSite leadSource receivablesAccount "
            "drAccount fxAccount openingBalanceAccount defaultTaxReg salesReadiness buyingReason "
            "buyingTimeFrame defaultAllocationStrategy"
        ),
        bool=(
            "isPerson isInactive taxExempt overrideCurrencyFormat shipComplete taxable giveAccess sendEmail "
            "requirePwdChange billPay emailTransactions printTransactions faxTransactions syncPartnerTeams "
            "isBudgetApproved"
        ),
        datetime="dateCreated startDate endDate firstVisit lastVisit lastModifiedDate openingBalanceDate",
        float=(
            "creditLimit balance overdueBalance unbilledOrders consolUnbilledOrders consolOverdueBalance "
            "consolDepositBalance consolBalance consolAging consolAging1 consolAging2 consolAging3 "
            "consolAging4 depositBalance aging aging1 aging2 aging3 aging4 estimatedBudget "
            "defaultOrderPriority openingBalance"
        ),
        int="daysOverdue consolDaysOverdue reminderDays visits",
        sublist=(
            "salesTeamList downloadList addressbookList subscriptionsList contactRolesList currencyList "
            "creditCardsList partnersList groupPricingList itemPricingList taxRegistrationList"
        ),
    ),
    "job": _kinds(
        ref=(
            "customForm entityStatus parent category workplace language currency jobType "
            "openingBalanceAccount subsidiary billingSchedule jobItem estimateRevRecTemplate "
            "revRecForecastRule projectExpenseType timeApproval billingRateCard projectManager"
        ),
        bool=(
            "isInactive billPay allowTime limitTimeToAssignees usePercentCompleteOverride "
            "applyProjectExpenseTypeToAll allowAllResourcesForTasks isUtilizedTime isProductiveTime "
            "isExemptTime materializeTime allowExpenses allocatePayrollExpenses includeCrmTasksInTotals "
            "createChargeRule sourceServiceItemFromRateCard"
        ),
        datetime=(
            "lastModifiedDate dateCreated startDate endDate calculatedEndDate calculatedEndDateBaseline "
            "startDateBaseline projectedEndDate projectedEndDateBaseline lastBaselineDate openingBalanceDate "
            "scheduledEndDate calculatedStartDate"
        ),
        float=(
            "fxRate percentComplete estimatedCost estimatedRevenue openingBalance percentTimeComplete "
            "estimatedLaborCost estimatedLaborCostBaseline estimatedLaborRevenue estimatedGrossProfit "
            "estimatedGrossProfitPercent jobPrice"
        ),
        duration=(
            "estimatedTime estimatedTimeOverride actualTime timeRemaining plannedWork plannedWorkBaseline"
        ),
        sublist=(
            "percentCompleteOverrideList jobResourcesList plStatementList addressbookList milestonesList "
            "creditCardsList"
        ),
    ),
    "projectTask": _kinds(
        ref="customForm eventId company contact order owner parent priority",
        bool="isMilestone nonBillableTask",
        datetime="startDate startDateBaseline endDate finishByDate endDateBaseline lateEnd lateStart",
        float=(
            "percentTimeComplete estimatedWork estimatedWorkBaseline slackMinutes plannedWork "
            "plannedWorkBaseline"
        ),
        duration="actualWork remainingWork",
        sublist="assigneeList predecessorList timeItemList",
    ),
    "timeBill": _kinds(
        ref=(
            "customForm employee approvalStatus customer caseTaskEvent payrollItem workplace item department "
            "class location price temporaryLocalJurisdiction temporaryStateJurisdiction subsidiary timeSheet"
        ),
        bool="isBillable paidExternally overrideRate supervisorApproval timeModified",
        datetime="tranDate createdDate lastModifiedDate",
        float="rate",
        duration="hours",
    ),
    "expenseReport": _kinds(
        ref=(
            "customForm account entity expenseReportCurrency subsidiary acctCorpCardExp postingPeriod "
            "approvalStatus nextApprover department class location nexus subsidiaryTaxRegNum"
        ),
        bool="complete supervisorApproval accountingApproval useMultiCurrency policyViolated",
        datetime="createdDate lastModifiedDate taxPointDate tranDate dueDate",
        float="expenseReportExchangeRate total advance tax1Amt amount tax2Amt",
        sublist="expenseList accountingBookDetailList taxDetailsList",
    ),
    "expenseReport.expense": _kinds(
        ref="category currency taxCode department class customer location expMediaItem expenseAccount",
        bool="isBillable isNonReimbursable corporateCreditCard receipt",
        datetime="expenseDate",
        float="quantity rate foreignAmount exchangeRate amount taxRate1 tax1Amt grossAmt taxRate2",
        int="line refNumber",
    ),
}


def netsuite_kind(record_type: str, field: str) -> str:
    """The value kind of ``field`` on NetSuite ``record_type`` ("str" if unlisted or the type unknown)."""
    return NETSUITE_FIELD_KINDS.get(record_type, {}).get(field, "str")
