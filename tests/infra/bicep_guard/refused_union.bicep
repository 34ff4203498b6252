// The compiler's Test_Issue3558 shape: a property loop inside union(). Error BCP138.
param paths array

resource container 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  name: 'account/db/items'
  properties: {
    resource: union({
      id: 'items'
      indexingPolicy: {
        excludedPaths: [for p in paths: {
          path: p
        }]
      }
    }, {})
  }
}
