// A Service Bus namespace reached with Entra ID only (local SAS auth off), with queues that
// dead-letter poison and expired messages, and diagnostics. With public network access Disabled
// (Premium: private endpoints need it) the network rule set denies by default too and the
// namespace is reached through its private endpoint (group namespace).
param location string
param tags object
param name string
param logAnalyticsId string
@allowed(['Standard', 'Premium'])
param skuName string = 'Standard'
@description('Messaging units of a Premium namespace (ignored for Standard).')
@allowed([1, 2, 4, 8, 16])
param premiumCapacity int = 1
@description('Disabled (main.bicep privateNetworking, with skuName Premium): reached through its private endpoint only.')
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string = 'Enabled'
@description('Queues: [{ name: string, maxDeliveryCount: int, lockDuration: ISO 8601, defaultMessageTimeToLive: ISO 8601 }].')
param queues array

var premium = skuName == 'Premium'

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: premium ? { name: skuName, tier: skuName, capacity: premiumCapacity } : { name: skuName, tier: skuName }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: publicNetworkAccess
  }
}

// The namespace's firewall. Its 'default' rule set carries its own publicNetworkAccess, which
// overrides the namespace property, so both say Disabled. Private endpoint traffic is not
// subject to these rules.
resource networkRules 'Microsoft.ServiceBus/namespaces/networkRuleSets@2022-10-01-preview' = if (publicNetworkAccess == 'Disabled') {
  parent: namespace
  name: 'default'
  properties: {
    publicNetworkAccess: 'Disabled'
    defaultAction: 'Deny'
    trustedServiceAccessEnabled: true
    ipRules: []
    virtualNetworkRules: []
  }
}

resource queueResources 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [for q in queues: {
  parent: namespace
  name: q.name
  properties: {
    maxDeliveryCount: q.maxDeliveryCount
    lockDuration: q.lockDuration
    defaultMessageTimeToLive: q.defaultMessageTimeToLive
    deadLetteringOnMessageExpiration: true
    enableBatchedOperations: true
    enablePartitioning: false
    requiresSession: false
    maxSizeInMegabytes: 1024
  }
}]

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: namespace
  properties: {
    workspaceId: logAnalyticsId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

// Host and DNS suffix from the namespace's own endpoint ('https://<name>.servicebus.windows.net:443/'
// in the public cloud), so sovereign clouds get theirs.
var host = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]

output id string = namespace.id
output name string = namespace.name
output fullyQualifiedNamespace string = host
output privateDnsZoneName string = 'privatelink.${substring(host, indexOf(host, '.') + 1)}'
