#pragma once

namespace authshield::server {

class Router;
class Readiness;

// GET /health (the process answers) and GET /ready (every dependency, with status and latency).
void registerOpsRoutes(Router& router, const Readiness& readiness);

} // namespace authshield::server
