// Real-time alerts of the stamp, all to one action group that mails the on-call address
// (bicep/README.md, "Alerts": what each one means and what to do). Log alerts read the app's
// OpenTelemetry metrics (customMetrics) and its request telemetry in Application Insights;
// every query returns numbers only, so no alert mail carries personal data.
param location string
param tags object
param actionGroupName string
@minLength(3)
@description('On-call address the action group mails.')
param oncallEmail string
param applicationInsightsId string
param serviceBusNamespaceId string
param ingestQueueName string
@minValue(1)
@description('Refused admin calls (audit denials) in 15 minutes that count as a spike.')
param accessDeniedThreshold int = 20
@minValue(1)
@maxValue(100)
@description('Share of HTTP answers that are 5xx, in percent over 15 minutes, that alerts.')
param serverErrorPercent int = 5
@minValue(1)
@description('Requests in the window below which the 5xx share is not judged (one failure in two calls is not an outage).')
param serverErrorMinRequests int = 20

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'privacy-oc' // at most 12 characters: the sender name of alert mails
    enabled: true
    emailReceivers: [
      {
        name: 'on-call'
        emailAddress: oncallEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Ingest messages that failed every delivery (maxDeliveryCount) wait in the dead-letter queue.
resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'dead-letters-${ingestQueueName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Ingest messages in the dead-letter queue of ${ingestQueueName}: widget events that were never stored. bicep/README.md, Alerts.'
    severity: 2
    enabled: true
    scopes: [serviceBusNamespaceId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-lettered'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [ingestQueueName]
            }
          ]
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

// One log alert per signal. Each query ends in one number per window; the rule alerts when
// it is greater than the threshold.
// The metric names are the app's (privacy.*, shared with its OpenTelemetry instruments).
var logAlerts = [
  {
    name: 'dsar-overdue'
    description: 'Data-subject requests past their deadline (privacy.dsar.overdue > 0). bicep/README.md, Alerts.'
    severity: 1
    frequency: 'PT15M'
    window: 'PT30M'
    query: 'customMetrics | where name == "privacy.dsar.overdue" | summarize overdue = max(value)'
    column: 'overdue'
    threshold: 0
  }
  {
    name: 'access-denied-spike'
    description: 'Many refused admin calls in 15 minutes (privacy.access.denied): probing or a broken grant. bicep/README.md, Alerts.'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name == "privacy.access.denied" | summarize denied = sum(value)'
    column: 'denied'
    threshold: accessDeniedThreshold - 1 // GreaterThan: the threshold itself alerts
  }
  {
    name: 'server-errors'
    description: 'More than ${serverErrorPercent}% of HTTP answers are 5xx over 15 minutes. bicep/README.md, Alerts.'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'requests | summarize total = count(), failed = countif(toint(resultCode) >= 500) | where total >= ${serverErrorMinRequests} | extend failedPercent = 100.0 * failed / total'
    column: 'failedPercent'
    threshold: serverErrorPercent
  }
  {
    name: 'breach-notice-due'
    description: 'A breach notice is still pending with notifyBy less than 12 hours away (privacy.incident.notices_due_soon > 0). bicep/README.md, Alerts.'
    severity: 0
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name == "privacy.incident.notices_due_soon" | summarize dueSoon = max(value)'
    column: 'dueSoon'
    threshold: 0
  }
]

resource queryAlerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for alert in logAlerts: {
  name: alert.name
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: alert.name
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: alert.frequency
    windowSize: alert.window
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Maximum'
          metricMeasureColumn: alert.column
          operator: 'GreaterThan'
          threshold: alert.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [actionGroup.id]
    }
  }
}]

output actionGroupId string = actionGroup.id
