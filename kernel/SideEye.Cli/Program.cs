return SideEye.Cli.CliApp.Run(args);
