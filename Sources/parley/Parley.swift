import ArgumentParser

@main
struct Parley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "Chat-history back end for hosted customer service.",
        discussion: "Settings come from PARLEY_* environment variables; see README.md.",
        subcommands: [ServeCommand.self, WorkerCommand.self, DevCommand.self, MigrateCommand.self, SeedCommand.self,
                      ReindexCommand.self, AuditCommand.self, KeysCommand.self, BenchCommand.self])
}
