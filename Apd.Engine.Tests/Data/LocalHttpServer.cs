// A throw-away HTTP server on 127.0.0.1 (free port) for download tests: serves whole files,
// files cut short mid-transfer (the announced Content-Length is never reached) and 404s.
using System.Net;
using System.Net.Sockets;

namespace Apd.Engine.Tests.Data;

internal sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, (byte[] Body, int SendBytes)> _routes = new();
    private readonly Task _loop;

    public LocalHttpServer()
    {
        for (int attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUrl = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(BaseUrl);
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5) { }
        }
        _loop = Task.Run(Serve);
    }

    public string BaseUrl { get; private set; } = "";
    public int Requests;

    public Uri Url(string path) => new(BaseUrl + path);

    /// <summary>Serves <paramref name="body"/> at <paramref name="path"/>; with <paramref name="sendBytes"/> &lt; body length
    /// the full length is announced but the connection is cut after that many bytes.</summary>
    public void Add(string path, byte[] body, int? sendBytes = null) => _routes[path] = (body, sendBytes ?? body.Length);

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            Interlocked.Increment(ref Requests);
            string path = ctx.Request.Url!.AbsolutePath.TrimStart('/');
            try
            {
                if (!_routes.TryGetValue(path, out var route))
                {
                    ctx.Response.StatusCode = 404;
                    ctx.Response.Close();
                    continue;
                }
                ctx.Response.ContentLength64 = route.Body.Length;
                await ctx.Response.OutputStream.WriteAsync(route.Body.AsMemory(0, route.SendBytes));
                await ctx.Response.OutputStream.FlushAsync();
                if (route.SendBytes < route.Body.Length) ctx.Response.Abort();
                else ctx.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or InvalidOperationException)
            {
                ctx.Response.Abort();
            }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
