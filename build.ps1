#!/usr/bin/env pwsh
# Apd build script. Targets:
#   build  – compile everything (Release)
#   test   – run the NUnit suite (all providers that are present), TRX results in TestResults/<Results>
#   run    – the main job: APD on the embedded split-digits benchmark (no files, no network)
#   bench  – the BenchmarkDotNet suite (pass -Filter '*Gemm*' to narrow it)
#   ci     – build, then test
# Usage: dotnet tool restore; dotnet pwsh ./build.ps1 <target> [-Filter expr] [-Results name]
param(
    [ValidateSet('build', 'test', 'run', 'bench', 'ci')]
    [string]$Target = 'build',
    [string]$Filter = '',
    [string]$Results = 'all',
    [string]$Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

function Build { Invoke-Dotnet build Apd.slnx -c $Configuration --nologo -v:minimal }

function Test {
    $dir = Join-Path $PSScriptRoot "TestResults/$Results"
    if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
    $testArgs = @('test', 'Apd.Engine.Tests/Apd.Engine.Tests.csproj', '-c', $Configuration, '--nologo',
        '--logger', 'trx;LogFileName=results.trx', '--logger', 'console;verbosity=minimal',
        '--results-directory', $dir)
    if ($Filter) { $testArgs += @('--filter', $Filter) }
    Invoke-Dotnet @testArgs
}

switch ($Target) {
    'build' { Build }
    'test' { Test }
    'run' {
        Invoke-Dotnet run --project Apd.Cli -c $Configuration -- run --bench split-digits --method apd --seed 1
    }
    'bench' {
        $benchArgs = @('run', '--project', 'Apd.Benchmarks', '-c', 'Release', '--')
        if ($Filter) { $benchArgs += @('--filter', $Filter) } else { $benchArgs += @('--filter', '*') }
        Invoke-Dotnet @benchArgs
    }
    'ci' { Build; Test }
}
