// A loop in an object handed to a function, in a module's params. Error BCP138.
param regions array

module app 'app.bicep' = {
  name: 'app'
  params: {
    settings: string({
      endpoints: [for r in regions: {
        region: r
      }]
    })
  }
}
