// A StorageV2 account reached with Entra ID only (shared key off), with optional private blob
// containers, lifecycle delete rules and diagnostic settings per service. With public network
// access Disabled, blob, queue and table are reached through private endpoints.
param location string
param tags object
param name string
param logAnalyticsId string
@description('Blob containers to create, all private: [{ name: string }].')
param containers array = []
@description('Lifecycle delete rules: [{ name: string, prefix: string (container/path/), days: int }].')
param deleteRules array = []
@allowed(['Standard_LRS', 'Standard_ZRS'])
param skuName string = 'Standard_ZRS'
@description('Disabled (main.bicep privateNetworking): reached through private endpoints only, and the firewall default becomes Deny.')
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string = 'Enabled'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    // checkov:skip=CKV_AZURE_206: zone-redundant (ZRS) on purpose: geo-replication would copy a stamp's exports and host state out of its Azure region (data-residency promise); Cosmos DB is the system of record with its own continuous backup.
    // checkov:skip=CKV_AZURE_35: the firewall default follows publicNetworkAccess: Allow by default, Deny when main.bicep's privateNetworking (default false) disables public access and adds blob, queue and table private endpoints; checkov sees only this module's default. Without private networking every request still needs an Entra ID token and an RBAC role (shared key and anonymous access are off).
    // checkov:skip=CKV_AZURE_59: public network access is off by parameter, not by default: Disabled when main.bicep's privateNetworking is true (default false, same choice as CKV_AZURE_35); otherwise Flex Consumption without VNet integration reaches host storage over the public endpoint, authorized with Entra ID only.
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: publicNetworkAccess == 'Disabled' ? 'Deny' : 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: { enabled: true }
        file: { enabled: true }
        queue: { enabled: true, keyType: 'Account' }
        table: { enabled: true, keyType: 'Account' }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    // No blob soft delete or versioning: an erased export must not survive in a hidden version.
    deleteRetentionPolicy: { enabled: false }
    isVersioningEnabled: false
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for c in containers: {
  parent: blobService
  name: c.name
  properties: {
    publicAccess: 'None'
  }
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = if (!empty(deleteRules)) {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [for r in deleteRules: {
        name: r.name
        enabled: true
        type: 'Lifecycle'
        definition: {
          filters: {
            blobTypes: ['blockBlob']
            prefixMatch: [r.prefix]
          }
          actions: {
            baseBlob: {
              delete: { daysAfterCreationGreaterThan: r.days }
            }
          }
        }
      }]
    }
  }
}

resource accountDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: storage
  properties: {
    workspaceId: logAnalyticsId
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: logAnalyticsId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: queueService
  properties: {
    workspaceId: logAnalyticsId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: tableService
  properties: {
    workspaceId: logAnalyticsId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
