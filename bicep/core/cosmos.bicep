// A Cosmos DB for NoSQL account: Entra ID data plane only (local auth off), no key-based
// metadata writes, TLS 1.2, continuous backup (point-in-time restore) and diagnostics.
param location string
param tags object
param name string
param logAnalyticsId string
@description('Serverless capacity; false means provisioned throughput set per database/container.')
param serverless bool = true
@allowed(['Continuous7Days', 'Continuous30Days'])
param backupTier string = 'Continuous30Days'
param zoneRedundant bool = false

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    // checkov:skip=CKV_AZURE_101: no VNet in this stamp, so Flex Consumption reaches Cosmos DB over its public endpoint; the account accepts only Entra ID tokens (disableLocalAuth) and the app identity is its only data-plane principal. Private endpoint is the follow-up (bicep/README.md).
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: zoneRedundant
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: serverless ? [{ name: 'EnableServerless' }] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    enableAutomaticFailover: false
    enableMultipleWriteLocations: false
    enableFreeTier: false
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: backupTier
      }
    }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: account
  properties: {
    workspaceId: logAnalyticsId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'Requests', enabled: true }]
  }
}

output name string = account.name
output endpoint string = account.properties.documentEndpoint
