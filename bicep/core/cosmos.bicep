// A Cosmos DB for NoSQL account: Entra ID data plane only (local auth off), no key-based
// metadata writes, TLS 1.2, continuous backup (point-in-time restore) and diagnostics. With public
// network access Disabled it is reached through a private endpoint (group Sql).
param location string
param tags object
param name string
param logAnalyticsId string
@description('Serverless capacity; false means provisioned throughput set per database/container.')
param serverless bool = true
@allowed(['Continuous7Days', 'Continuous30Days'])
param backupTier string = 'Continuous30Days'
param zoneRedundant bool = false
@description('Disabled (main.bicep privateNetworking): reached through its private endpoint only.')
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string = 'Enabled'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    // checkov:skip=CKV_AZURE_101: public network access is off by parameter, not by default: main.bicep's privateNetworking (default false) passes publicNetworkAccess Disabled and adds a private endpoint (group Sql); checkov sees only this module's default Enabled. Without private networking Flex Consumption reaches Cosmos DB over its public endpoint, the account accepts only Entra ID tokens (disableLocalAuth) and the app identity is its only data-plane principal.
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
    publicNetworkAccess: publicNetworkAccess
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

// 'https://<name>.documents.azure.com:443/' in the public cloud: the zone follows the cloud.
var host = split(split(account.properties.documentEndpoint, '/')[2], ':')[0]

output id string = account.id
output name string = account.name
output endpoint string = account.properties.documentEndpoint
output privateDnsZoneName string = 'privatelink.${substring(host, indexOf(host, '.') + 1)}'
