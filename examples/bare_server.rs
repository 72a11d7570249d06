//! The ceiling for bench/run.sh: a bare actix-web server that answers every request with fixed bytes from memory.
//!
//! Usage: `bare_server <listen address> <body file>`

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:9100".into());
    let body_file = args.next().unwrap_or_else(|| "body.json".into());
    let body = web::Bytes::from(std::fs::read(&body_file)?);
    println!("bare server on {listen} answering {} bytes", body.len());
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }
        }))
    })
    .bind(listen)?
    .run()
    .await
}
