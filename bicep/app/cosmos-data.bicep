// This app's Cosmos DB layout (cosmos-layout.json, the mirror of shared/containers.py) and the
// data-plane role of the app identity. Hierarchical keys (more than one path) use MultiHash.
param accountName string
@description('Object id of the app identity: the only data-plane principal.')
param principalId string

var layout = loadJsonContent('cosmos-layout.json')
// Cosmos DB Built-in Data Contributor: item reads, writes, queries and deletes; no management.
var dataContributorId = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' existing = {
  name: accountName
}

resource databases 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = [for name in layout.databases: {
  parent: account
  name: name
  properties: {
    resource: {
      id: name
    }
  }
}]

// Each container under its database (parent, not a 'account/db/name' name). The excluded paths
// come from the layout already shaped as { path } entries: a for-expression inside union() (or
// any function call or operator) is compile error BCP138, and pycep-parser, the offline check,
// knows no map() lambda. infra/validate_iac.sh refuses such a for-expression.
resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [for c in layout.containers: {
  parent: databases[indexOf(layout.databases, c.database)]
  name: c.name
  properties: {
    resource: union({
      id: c.name
      partitionKey: {
        paths: c.partitionKeyPaths
        kind: length(c.partitionKeyPaths) > 1 ? 'MultiHash' : 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/*'
          }
        ]
        excludedPaths: concat(contains(c, 'excludedPaths') ? c.excludedPaths : [], [{ path: '/"_etag"/?' }])
      }
    }, contains(c, 'defaultTtl') ? { defaultTtl: c.defaultTtl } : {})
  }
}]

resource dataRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: account
  name: guid(account.id, principalId, dataContributorId)
  properties: {
    principalId: principalId
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorId}'
    scope: account.id
  }
}

output databaseNames array = layout.databases
