#Requires -RunAsAdministrator
<#
.SYNOPSIS
    Installs (or removes) the branchready agent as a Windows service with sc.exe.

.DESCRIPTION
    Does what `branchready-agent.exe install -c FILE` does, for sites that script their services with sc.exe:
    the service branchready-agent runs "<Binary> run -c <Config>", starts automatically a little after boot,
    restarts 5 seconds after every failure, and logs to the Application event log as source branchready-agent.
    The service is installed, not started: Start-Service branchready-agent.

.EXAMPLE
    .\install.ps1 -Binary "C:\Program Files\branchready\branchready-agent.exe" -Config C:\ProgramData\branchready\branch.yaml

.EXAMPLE
    .\install.ps1 -Account "NT AUTHORITY\LocalService"

.EXAMPLE
    .\install.ps1 -Uninstall
#>
[CmdletBinding()]
param(
    # The agent executable, in its final place.
    [string]$Binary = (Join-Path $env:ProgramFiles 'branchready\branchready-agent.exe'),
    # The branch configuration, in its final place.
    [string]$Config = (Join-Path $env:ProgramData 'branchready\branch.yaml'),
    # The account the service runs as; built-in accounts need no password.
    [string]$Account = 'LocalSystem',
    # Stop and remove the service and its event log source instead.
    [switch]$Uninstall
)

$ErrorActionPreference = 'Stop'
$Name = 'branchready-agent'
$ServiceKey = "HKLM:\SYSTEM\CurrentControlSet\Services\$Name"
$EventSourceKey = "HKLM:\SYSTEM\CurrentControlSet\Services\EventLog\Application\$Name"

function Invoke-Sc {
    & sc.exe @args | Write-Verbose
    if ($LASTEXITCODE -ne 0) {
        throw "sc.exe $($args -join ' ') failed with exit code $LASTEXITCODE"
    }
}

if ($Uninstall) {
    $svc = Get-Service -Name $Name -ErrorAction SilentlyContinue
    if (-not $svc) { throw "service $Name is not installed" }
    if ($svc.Status -ne 'Stopped') { Stop-Service -Name $Name }
    Invoke-Sc delete $Name
    if (Test-Path $EventSourceKey) { Remove-Item -Path $EventSourceKey -Recurse }
    Write-Host "removed service $Name (its state folder is kept)"
    return
}

foreach ($file in $Binary, $Config) {
    if (-not (Test-Path -PathType Leaf $file)) { throw "$file does not exist" }
}
$Binary = (Resolve-Path $Binary).Path
$Config = (Resolve-Path $Config).Path
if (Get-Service -Name $Name -ErrorAction SilentlyContinue) {
    throw "service $Name already exists: .\install.ps1 -Uninstall first"
}

& $Binary validate -c $Config
if ($LASTEXITCODE -ne 0) { throw "the configuration $Config is not valid (see above)" }

# sc.exe wants "key=" and the value as separate arguments.
Invoke-Sc create $Name binPath= $Binary start= delayed-auto DisplayName= 'branchready agent'
# The command line with quoted paths is set in the registry: quotes inside an
# argument do not survive the way from PowerShell to sc.exe in every version.
Set-ItemProperty -Path $ServiceKey -Name ImagePath -Type ExpandString -Value "`"$Binary`" run -c `"$Config`""
Invoke-Sc description $Name 'Checks the bank branch''s devices before opening and through the day, and ships the results to the branchready collector.'
if ($Account -ne 'LocalSystem') { Invoke-Sc config $Name obj= $Account }

# Restart 5 s after every failure (the last action repeats), forget failures
# after a quiet day, and count an exit with an error code as a failure too.
Invoke-Sc failure $Name reset= 86400 actions= restart/5000/restart/5000/restart/5000
Invoke-Sc failureflag $Name 1

# The event log source, as the agent's own install registers it.
if (-not (Test-Path $EventSourceKey)) { New-Item -Path $EventSourceKey | Out-Null }
New-ItemProperty -Path $EventSourceKey -Name EventMessageFile -PropertyType ExpandString -Value '%SystemRoot%\System32\EventCreate.exe' -Force | Out-Null
New-ItemProperty -Path $EventSourceKey -Name TypesSupported -PropertyType DWord -Value 7 -Force | Out-Null

Write-Host "installed service $Name running `"$Binary`" run -c `"$Config`""
Write-Host "start it with: Start-Service $Name"
